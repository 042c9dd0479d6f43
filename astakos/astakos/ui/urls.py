from django.urls import path

from astakos.ui.views import account, auth, common, password, projects

urlpatterns = [
    path("", account.home),
    path("static/astakos.css", common.stylesheet),
    path("login", auth.login_view),
    path("logout", auth.logout_view),
    path("signup", auth.signup_view),
    path("verify/<str:code>", auth.verify_view),
    path("login/ldap", auth.ldap_login),
    path("login/saml", auth.saml_login),
    path("saml/acs", auth.saml_acs),
    path("saml/metadata", auth.saml_metadata),
    path("login/oauth/<str:name>", auth.oauth_login),
    path("login/oauth/<str:name>/complete", auth.oauth_complete),
    path("profile", account.profile),
    path("profile/token", account.token_renew),
    path("profile/password", password.password_change),
    path("password/reset", password.reset_request),
    path("password/reset/<str:code>", password.reset_confirm),
    path("profile/providers/<int:provider_id>/remove", account.provider_remove),
    path("usage", account.usage),
    path("projects", projects.project_list),
    path("projects/apply", projects.project_apply),
    path("projects/applications/<int:application_id>/<str:action>", projects.application_action),
    path("projects/<str:project_id>", projects.project_detail),
    path("projects/<str:project_id>/join", projects.project_join),
    path("projects/<str:project_id>/memberships/<int:membership_id>/<str:action>",
         projects.membership_action),
    path("admin/users", account.moderation),
    path("admin/users/<str:uuid>/<str:action>", account.moderate),
]
