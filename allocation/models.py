# Vacancies, candidates, scoring, offers and association votes arrive with the allocation issues.
