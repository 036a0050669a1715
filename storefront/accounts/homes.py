"""Where each role lands after signing in when no page asked for it."""

from storefront.accounts.models import Role

#: A role's home page (endpoint): shoppers their account, producers and the office their dashboard.
ROLE_HOMES = {
    Role.SHOPPER: "accounts.account",
    Role.PRODUCER: "producer.index",
    Role.OFFICE: "office.index",
}


def home_endpoint(user) -> str:
    """Return the endpoint a signed-in user lands on without a ?next= target."""
    return ROLE_HOMES.get(user.role, "main.index")
