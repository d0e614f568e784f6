from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from api.views import ApiView

# CSRF is checked inside the view for session requests; token requests carry no cookie.
urlpatterns = [
    path("graphql", csrf_exempt(ApiView.as_view(graphiql=True)), name="graphql"),
]
