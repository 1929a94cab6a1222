from projects import access


def roles(request):
    """What the navigation needs to know about the user, computed once per request."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "is_corporation_user": access.is_corporation_user(user),
        "is_policy_officer": bool(access.municipality_ids(user)),
    }
