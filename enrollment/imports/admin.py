"""The imports in the admin: upload a file, watch it being checked, read the preview, confirm."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from . import services
from .forms import ImportConfirmForm, ImportUploadForm
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

    def upload_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied("Data imports are for program admins.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a file",
        }
        template = "admin/imports/importrun/upload.html"
        if request.method == "POST":
            # Refused on the announced size, before the body is parsed (a front proxy should
            # cap it too); the file's own size is checked again by the form.
            length = request.META.get("CONTENT_LENGTH") or ""
            problem = services.upload_too_big(int(length)) if length.isdigit() else None
            if problem:
                form = ImportUploadForm()
                context.update(form=form, upload_problem=problem)
                return TemplateResponse(request, template, context, status=413)
            form = ImportUploadForm(request.POST, request.FILES)
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
            status = 413 if form.too_big else 200
        else:
            form = ImportUploadForm(initial={"kind": request.GET.get("kind", "")})
            status = 200
        context["form"] = form
        return TemplateResponse(request, template, context, status=status)

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
