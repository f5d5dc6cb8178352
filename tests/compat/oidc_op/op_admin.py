"""Sets up and changes the test OpenID Provider's database: `init`, `client <id> <secret> <redirect_uri>…`,
`user <name> <email> <password> [group…]`, `groups <name> [group…]`."""
import sys

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oidc_provider.models import Client, ResponseType, RSAKey  # noqa: E402


def main(command, *args):
    if command == "init":
        call_command("migrate", verbosity=0)
        if not RSAKey.objects.exists():
            call_command("creatersakey")
    elif command == "client":
        client_id, secret, *redirect_uris = args
        client, _ = Client.objects.get_or_create(client_id=client_id, defaults={"name": "Gatehouse", "client_type": "confidential"})
        client.client_secret = secret
        client.redirect_uris = redirect_uris
        client.require_consent = False
        client.jwt_alg = "RS256"
        client.save()
        client.response_types.set([ResponseType.objects.get(value="code")])
    elif command == "user":
        name, email, password, *groups = args
        user, _ = User.objects.get_or_create(username=name)
        user.email = email
        user.set_password(password)
        user.save()
        set_groups(user, groups)
    elif command == "groups":
        name, *groups = args
        set_groups(User.objects.get(username=name), groups)


def set_groups(user, groups):
    user.groups.set([Group.objects.get_or_create(name=group)[0] for group in groups])


if __name__ == "__main__":
    main(*sys.argv[1:])
