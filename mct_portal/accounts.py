from allauth.account.adapter import DefaultAccountAdapter


class PortalAccountAdapter(DefaultAccountAdapter):
    """Sign-up stays open: anyone may create an account and then apply."""

    def is_open_for_signup(self, request) -> bool:
        return True
