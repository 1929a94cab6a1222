"""Strings of Django and allauth that show on our pages, listed here so that `makemessages`
puts them in our own catalogue, where the Dutch of this product overrides (or adds) theirs.

Nothing imports this module; its calls only mark the strings. LOCALE_PATHS comes before the
apps' catalogues, so our translation of a listed string wins.
"""

from django.utils.translation import gettext_noop, pgettext_lazy

DJANGO = [
    # Django 6.1's empty choice of a select (and of a radio list with no default).
    gettext_noop("- Select an option -"),
]

# Short month names for dates as "3 dec. 2026" (`date:"j N Y"`): Django's Dutch has them
# without the abbreviation's dot.
MONTHS_SHORT = [
    pgettext_lazy("abbrev. month", "Jan."),
    pgettext_lazy("abbrev. month", "Feb."),
    pgettext_lazy("abbrev. month", "March"),
    pgettext_lazy("abbrev. month", "April"),
    pgettext_lazy("abbrev. month", "May"),
    pgettext_lazy("abbrev. month", "June"),
    pgettext_lazy("abbrev. month", "July"),
    pgettext_lazy("abbrev. month", "Aug."),
    pgettext_lazy("abbrev. month", "Sept."),
    pgettext_lazy("abbrev. month", "Oct."),
    pgettext_lazy("abbrev. month", "Nov."),
    pgettext_lazy("abbrev. month", "Dec."),
]

# allauth's messages after logging in or out and changing a password: its Dutch says "je", the
# product says "u".
ALLAUTH = [
    gettext_noop("Successfully signed in as %(name)s."),
    gettext_noop("You have signed out."),
    gettext_noop("Password successfully changed."),
    gettext_noop("Password successfully set."),
    gettext_noop("You cannot remove your primary email address (%(email)s)."),
    gettext_noop("You have confirmed %(email)s."),
    gettext_noop("Your primary email address must be verified."),
]
