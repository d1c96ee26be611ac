"""The footer's language menu (works without JavaScript). Anyone may choose: the choice is
kept in Django's language cookie, and a signed-in trainer's choice is also saved on their
record (audited), so it follows them to other devices, emails and PDFs."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from ..models import Trainer
from ..services.trainers import trainer_set_language


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    if language in dict(settings.LANGUAGES) and request.user.is_authenticated:
        trainer = Trainer.objects.filter(user=request.user).first()
        if trainer is not None:
            trainer_set_language(trainer=trainer, language=language, by=request.user)
    return django_set_language(request)
