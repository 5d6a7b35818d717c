"""REST API of the generated documents: list a cycle's documents, read one, download its file.

The same rules as the «Documenti» pages (`documents.access`): a document of another ente, or
one the user may not read (a scheda of someone else, the premium table with names), is 404.
"""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from accounts.access import access_for
from api.access import readable_cycle
from api.pagination import BadParameter
from documents import access as rules
from documents.models import DocumentFormat, DocumentKind, GeneratedDocument


class GeneratedDocumentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    year = serializers.IntegerField(source="cycle.year", read_only=True)
    window = serializers.SlugRelatedField(slug_field="key", read_only=True)
    person = serializers.SlugRelatedField(slug_field="key", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = GeneratedDocument
        fields = [
            "id",
            "year",
            "kind",
            "kind_label",
            "format",
            "window",
            "person",
            "state",
            "state_label",
            "progress",
            "error",
            "filename",
            "size",
            "fingerprint",
            "requested_at",
            "generated_at",
            "download_url",
        ]

    def get_download_url(self, obj) -> str | None:
        if not obj.is_done:
            return None
        return reverse("api:document_file", args=[obj.pk])


def _readable(user, pk: int) -> GeneratedDocument:
    document = (
        GeneratedDocument.objects.select_related("cycle__ente", "window", "person")
        .filter(pk=pk)
        .first()
    )
    if document is None:
        raise NotFound("Documento non trovato.")
    access = access_for(user, document.cycle.ente)
    if access is None or not rules.can_read(access, document):
        raise NotFound("Documento non trovato.")
    return document


@extend_schema(
    parameters=[
        OpenApiParameter("kind", str, description="Tipo di documento", enum=DocumentKind.values),
        # not «format»: DRF reads that parameter to choose the renderer (?format=json)
        OpenApiParameter(
            "file_format", str, description="Formato del file", enum=DocumentFormat.values
        ),
    ]
)
class CycleDocumentList(generics.ListAPIView):
    """Generated documents of a cycle, latest first (only those the user may read)."""

    serializer_class = GeneratedDocumentSerializer

    def get_queryset(self):
        cycle = readable_cycle(self.request.user, self.kwargs["pk"])
        access = access_for(self.request.user, cycle.ente)
        rows = GeneratedDocument.objects.filter(cycle=cycle).select_related(
            "cycle__ente", "window", "person"
        )
        filters = (
            ("kind", "kind", DocumentKind.values),
            ("file_format", "format", DocumentFormat.values),
        )
        for name, field, allowed in filters:
            if name in self.request.query_params:
                value = self.request.query_params[name]
                if value not in allowed:
                    raise BadParameter(f"{name}: valore non ammesso ({', '.join(allowed)}).")
                rows = rows.filter(**{field: value})
        readable = [row.pk for row in rows if rules.can_read(access, row)]
        return rows.filter(pk__in=readable).order_by("-requested_at", "-id")


class DocumentDetail(generics.RetrieveAPIView):
    serializer_class = GeneratedDocumentSerializer

    def get_object(self):
        return _readable(self.request.user, self.kwargs["pk"])


class DocumentFile(APIView):
    """The file of a generated document (PDF, DOCX or XLSX)."""

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, pk):
        document = _readable(request.user, pk)
        if not document.is_done:
            raise NotFound("Il documento non ha ancora un file.")
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.filename,
            content_type=document.content_type,
        )
