"""Django settings of the OpenID Provider the single sign-on tests sign in through: the
django-oidc-provider package (from PyPI), on loopback, its database in OP_DIR, its public URL
OP_URL. ID tokens carry the user's email (verified) and Django groups (`groups`)."""
import os

BASE = os.environ["OP_DIR"]
SECRET_KEY = "test-only-django-secret-key-not-used-anywhere-else"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "op_urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(BASE, "op.sqlite3")}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
LOGIN_URL = "/accounts/login/"
SITE_URL = os.environ["OP_URL"]
OIDC_IDTOKEN_INCLUDE_CLAIMS = True
OIDC_USERINFO = "op_settings.userinfo"
OIDC_IDTOKEN_PROCESSING_HOOK = "op_settings.add_groups"


def userinfo(claims, user):
    claims["email"] = user.email
    claims["email_verified"] = user.username != "unverified"
    claims["name"] = user.get_full_name() or user.username
    return claims


def add_groups(id_token, user, **kwargs):
    id_token["groups"] = sorted(group.name for group in user.groups.all())
    return id_token
