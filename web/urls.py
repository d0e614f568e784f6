"""Pages of the web interface. Paths are German (the audience's language); names are
un-namespaced so Django's auth views and the LOGIN_URL setting find theirs."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from web.views import ask, editor, knowledge, pages, search, tools

_account = "web/account/"

urlpatterns = [
    path("", pages.home, name="home"),
    path("suche/", search.search, name="search"),
    path("suche/live/", search.search_live, name="search_live"),
    path("kommunen/", pages.municipality_list, name="municipality_list"),
    path("kommunen/vergleich/", pages.municipality_compare, name="municipality_compare"),
    path("kommunen/<str:ags>/", pages.municipality_detail, name="municipality_detail"),
    path("software/", pages.software_list, name="software_list"),
    path("software/<slug:slug>/", pages.software_detail, name="software_detail"),
    path("software/<slug:slug>/nutzer-fragen/", ask.ask_users, name="software_ask"),
    path("leistungen/", pages.service_list, name="service_list"),
    path("leistungen/<int:pk>/", pages.service_detail, name="service_detail"),
    path("organisationen/", pages.organization_list, name="organization_list"),
    path("organisationen/<slug:slug>/", pages.organization_detail, name="organization_detail"),
    path("kooperationen/<slug:slug>/", pages.collaboration_detail, name="collaboration_detail"),
    path("wissen/", knowledge.article_list, name="article_list"),
    path("wissen/vorschau/", knowledge.article_preview, name="article_preview"),
    path("wissen/neu/", knowledge.article_create, name="article_create"),
    path("wissen/<slug:slug>/", knowledge.article_detail, name="article_detail"),
    path("wissen/<slug:slug>/bearbeiten/", knowledge.article_edit, name="article_edit"),
    path("wissen/<slug:slug>/status/", knowledge.article_transition, name="article_transition"),
    path("konto/api-tokens/", tools.api_tokens, name="api_tokens"),
    path("konto/api-tokens/<int:pk>/widerrufen/", tools.api_token_revoke, name="api_token_revoke"),
    path("meine-kommune/inventar-vorlage.csv", tools.inventory_template, name="inventory_template"),
    path("meine-kommune/<str:ags>/import/", tools.inventory_upload, name="inventory_upload"),
    path("meine-kommune/<str:ags>/import/anwenden/", tools.inventory_apply,
         name="inventory_apply"),
    path("meine-kommune/", editor.overview, name="editor_overview"),
    path("meine-kommune/<str:ags>/", editor.dashboard, name="editor_dashboard"),
    path("meine-kommune/<str:ags>/nutzungen/", editor.usages, name="editor_usages"),
    path("meine-kommune/<str:ags>/nutzungen/<int:pk>/bestaetigen/", editor.usage_confirm,
         name="editor_usage_confirm"),
    path("meine-kommune/<str:ags>/nutzungen/<int:pk>/ablehnen/", editor.usage_reject,
         name="editor_usage_reject"),
    path("meine-kommune/<str:ags>/team/", editor.team, name="editor_team"),
    path("meine-kommune/<str:ags>/team/<int:user_id>/entfernen/", editor.team_revoke,
         name="editor_team_revoke"),
    # Accounts: Django's views with our templates and labelled forms.
    path("konto/anmelden/", auth_views.LoginView.as_view(
        template_name=_account + "login.html", redirect_authenticated_user=True), name="login"),
    path("konto/abmelden/", auth_views.LogoutView.as_view(), name="logout"),
    path("konto/passwort/", auth_views.PasswordChangeView.as_view(
        template_name=_account + "password_change.html"), name="password_change"),
    path("konto/passwort/geaendert/", auth_views.PasswordChangeDoneView.as_view(
        template_name=_account + "password_change_done.html"), name="password_change_done"),
    path("konto/passwort-vergessen/", auth_views.PasswordResetView.as_view(
        template_name=_account + "password_reset_form.html",
        email_template_name=_account + "password_reset_email.txt",
        subject_template_name=_account + "password_reset_subject.txt",
        success_url=reverse_lazy("password_reset_done")), name="password_reset"),
    path("konto/passwort-vergessen/gesendet/", auth_views.PasswordResetDoneView.as_view(
        template_name=_account + "password_reset_done.html"), name="password_reset_done"),
    path("konto/passwort-setzen/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name=_account + "password_reset_confirm.html"), name="password_reset_confirm"),
    path("konto/passwort-gesetzt/", auth_views.PasswordResetCompleteView.as_view(
        template_name=_account + "password_reset_complete.html"), name="password_reset_complete"),
]
