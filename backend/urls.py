from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from backend.api.schema import schema
from backend.api.views import TownGraphQLView
from backend.health import healthz

# Staff sign in to the admin through allauth, so MFA applies there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Town services administration"
admin.site.site_title = "Town services"

urlpatterns = [
    path(
        "graphql",
        TownGraphQLView.as_view(
            schema=schema,
            graphql_ide="graphiql" if settings.DEBUG else None,
            multipart_uploads_enabled=True,
        ),
        name="graphql",
    ),
    path("healthz", healthz, name="healthz"),
    path("records/", include("backend.records.urls")),
    path("notifications/", include("backend.notifications.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("accounts/", include("allauth.urls")),
    # OpenID Connect provider: /.well-known/openid-configuration, /identity/o/authorize, ...
    path("", include("allauth.idp.urls")),
    path("admin/", admin.site.urls),
]
