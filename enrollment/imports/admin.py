"""The imports in the admin: upload a file, watch it being checked, read the preview, confirm."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from . import services
from .forms import ImportConfirmForm, ImportUploadForm, UploadSizeLimit
from .models import ImportRun, ImportState

RUN_PERMISSION = "imports.run_import"


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = [
        "report_link",
        "kind",
        "state",
        "rows_total",
        "rows_created",
        "rows_updated",
        "rows_error",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "state"]
    search_fields = ["file_name", "sha256"]
    list_select_related = ["created_by"]

    @admin.display(description="File", ordering="file_name")
    def report_link(self, run: ImportRun):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:imports_importrun_run", args=[run.pk]), run
        )

    def has_add_permission(self, request):
        return request.user.has_perm(RUN_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("upload/", wrap(self.upload_view), name="imports_importrun_upload"),
            path("<int:pk>/run/", wrap(self.run_view), name="imports_importrun_run"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:imports_importrun_upload"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            return super().change_view(request, object_id, form_url, extra_context)
        return HttpResponseRedirect(reverse("admin:imports_importrun_run", args=[object_id]))

    # ------------------------------------------------------------------ upload

    @method_decorator(csrf_exempt)
    def upload_view(self, request):
        # The size guard must be in place before anything reads the body (CSRF included).
        request.upload_handlers.insert(0, UploadSizeLimit(request))
        return self._upload(request)

    @method_decorator(csrf_protect)
    def _upload(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied("Data imports are for program admins.")
        if request.method == "POST":
            problem = getattr(request, "import_upload_problem", None)
            form = ImportUploadForm(request.POST, request.FILES, upload_problem=problem)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                run = services.import_run_create(
                    kind=form.cleaned_data["kind"],
                    source=upload,
                    file_name=upload.name,
                    by=request.user,
                    encoding=form.cleaned_data["encoding"],
                )
                return HttpResponseRedirect(reverse("admin:imports_importrun_run", args=[run.pk]))
            status = 413 if problem else 200
        else:
            form = ImportUploadForm(initial={"kind": request.GET.get("kind", "")})
            status = 200
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a file",
            "form": form,
        }
        return TemplateResponse(
            request, "admin/imports/importrun/upload.html", context, status=status
        )

    # ------------------------------------------------------------------ the run's page

    def run_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied("Data imports are for program admins.")
        run = get_object_or_404(ImportRun.objects.select_related("created_by"), pk=pk)
        confirm_form = ImportConfirmForm(request.POST or None)
        if request.method == "POST":
            if not request.user.has_perm(RUN_PERMISSION):
                raise PermissionDenied("Data imports are for program admins.")
            try:
                if "cancel" in request.POST:
                    services.import_run_cancel(run=run, by=request.user)
                    self.message_user(request, "The import was cancelled: nothing was imported.")
                elif confirm_form.is_valid():
                    services.import_run_confirm(
                        run=run,
                        by=request.user,
                        valid_rows_only=confirm_form.cleaned_data["valid_rows_only"],
                    )
                    self.message_user(request, "The import is queued.")
            except services.ImportStateError as error:
                self.message_user(request, str(error), level=messages.ERROR)
            return HttpResponseRedirect(reverse("admin:imports_importrun_run", args=[run.pk]))
        samples = run.samples or {}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Import: {run.file_name}",
            "run": run,
            "can_confirm": run.state == ImportState.PREVIEWED
            and request.user.has_perm(RUN_PERMISSION),
            "confirm_form": confirm_form,
            "sample_columns": samples.get("columns", []),
            "created_samples": samples.get("created", []),
            "updated_samples": samples.get("updated", []),
            "refresh_seconds": 2 if run.is_running else None,
        }
        return TemplateResponse(request, "admin/imports/importrun/run.html", context)
