from allauth.account.adapter import DefaultAccountAdapter


class InviteOnlyAdapter(DefaultAccountAdapter):
    """No open sign-up: staff or an administrator creates accounts and sends an invitation."""

    def is_open_for_signup(self, request) -> bool:
        return False
