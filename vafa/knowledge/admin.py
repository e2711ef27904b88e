"""Admin for the knowledge base: topics; articles edited with their translations through the services
(so every save writes a revision, the audit log and the search documents); translations with their
revision history and publish/unpublish/archive actions; feedback and self-service steps read only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vafa.accounts.models import User
from vafa.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from vafa.core.context import via
from vafa.core.errors import VafaError
from vafa.knowledge.models import (
    Article,
    ArticleCategory,
    ArticleFeedback,
    ArticleRevision,
    ArticleTranslation,
    DeflectionEvent,
)
from vafa.knowledge.selectors import article_url
from vafa.knowledge.services import (
    article_archive,
    article_create,
    article_publish,
    article_translation_save,
    article_unpublish,
    article_update,
)


@admin.register(ArticleCategory)
class ArticleCategoryAdmin(AuditedAdmin):
    list_display = ("slug", "__str__", "position")
    list_editable = ("position",)
    ordering = ("position", "slug")
    fields = ("slug", "names", "descriptions", "position")


class TranslationForm(forms.ModelForm):
    """A translation's text; the revision note is kept with the revision the save writes."""

    note = forms.CharField(label=_("Revision note"), max_length=200, required=False)

    class Meta:
        model = ArticleTranslation
        fields = ("language", "title", "summary", "body_html")


class TranslationInline(admin.StackedInline):
    model = ArticleTranslation
    form = TranslationForm
    extra = 0
    can_delete = False
    fields = (
        "language",
        "title",
        "summary",
        "body_html",
        "note",
        "status",
        "revision",
        "published_at",
        "counts",
    )
    readonly_fields = ("status", "revision", "published_at", "counts")

    @admin.display(description=_("Feedback and reads"))
    def counts(self, obj: ArticleTranslation) -> str:
        return str(
            _("%(helpful)s helpful, %(unhelpful)s not helpful, %(views)s reads")
            % {"helpful": obj.helpful_count, "unhelpful": obj.unhelpful_count, "views": obj.view_count}
        )


def _each_translation(
    request: HttpRequest, translations: QuerySet[ArticleTranslation], change: Callable[..., Any], done: str
) -> None:
    count = 0
    with via("admin"):
        for translation in translations.select_related("article"):
            try:
                change(actor=_actor(request), translation=translation)
                count += 1
            except VafaError as exc:
                messages.error(request, f"{translation.title}: {exc.message}")
    if count:
        messages.success(request, done % {"count": count})


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Articles and their translations; saved through the services, never with a bare save."""

    list_display = ("__str__", "titles", "category", "visibility", "updated_at")
    list_filter = ("visibility", "category", "translations__language", "translations__status")
    fields = ("category", "visibility", "products", "product_categories", "author", "source_message_id")
    readonly_fields = ("author", "source_message_id")
    autocomplete_fields = ("products",)
    filter_horizontal = ("product_categories",)
    inlines = (TranslationInline,)
    actions = ("publish_all", "unpublish_all")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).select_related("category").prefetch_related("translations")

    @admin.display(description=_("Titles"))
    def titles(self, obj: Article) -> str:
        return " · ".join(f"{t.language}: {t.title}" for t in obj.translations.all())

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        data = form.cleaned_data
        values = {
            "category": data.get("category"),
            "visibility": data["visibility"],
            "products": data.get("products", []),
            "product_categories": data.get("product_categories", []),
        }
        with via("admin"):
            if change:
                saved = article_update(actor=_actor(request), article=obj, **values)
            else:
                saved = article_create(actor=_actor(request), **values)
        # The inline formsets hold this instance: give it the saved row's identity.
        obj.pk = saved.pk
        obj.author_id = saved.author_id
        obj._state.adding = False
        obj._state.db = saved._state.db

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The services set the products already; the translations go through article_translation_save.
        article = form.instance
        with via("admin"):
            for formset in formsets:
                # What the admin's history message reads (a formset's save() would set these).
                formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
                for inline_form in formset.forms:
                    if not inline_form.has_changed() or not inline_form.cleaned_data:
                        continue
                    data = inline_form.cleaned_data
                    existed = inline_form.instance.pk is not None
                    saved = article_translation_save(
                        actor=_actor(request),
                        article=article,
                        language=data["language"],
                        title=data["title"],
                        summary=data.get("summary") or "",
                        body_html=data.get("body_html") or "",
                        note=data.get("note") or "",
                    )
                    if existed:
                        formset.changed_objects.append((saved, inline_form.changed_data))
                    else:
                        formset.new_objects.append(saved)

    @admin.action(description=_("Publish every translation of the selected articles"))
    def publish_all(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        translations = ArticleTranslation.objects.filter(article__in=queryset).exclude(status="published")
        _each_translation(request, translations, article_publish, str(_("%(count)s translations published.")))

    @admin.action(description=_("Unpublish every translation of the selected articles"))
    def unpublish_all(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        translations = ArticleTranslation.objects.filter(article__in=queryset, status="published")
        _each_translation(
            request, translations, article_unpublish, str(_("%(count)s translations unpublished."))
        )


class RevisionInline(admin.TabularInline):
    model = ArticleRevision
    extra = 0
    can_delete = False
    fields = ("number", "status", "title", "author", "note", "created_at")
    readonly_fields = fields
    ordering = ("-number",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ArticleTranslation)
class ArticleTranslationAdmin(admin.ModelAdmin):
    """A translation's state and revision history; its text is edited on its article's page."""

    list_display = (
        "title",
        "language",
        "article",
        "status",
        "revision",
        "published_at",
        "helpful_count",
        "unhelpful_count",
        "view_count",
    )
    list_filter = ("language", "status", "article__visibility")
    list_select_related = ("article",)
    search_fields = ("title",)
    readonly_fields = (
        "article",
        "language",
        "title",
        "slug",
        "address",
        "summary",
        "body_html",
        "status",
        "revision",
        "author",
        "published_at",
        "helpful_count",
        "unhelpful_count",
        "view_count",
    )
    fields = readonly_fields
    inlines = (RevisionInline,)
    actions = ("publish", "unpublish", "archive")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Nothing to save: every field is read only (the text is edited on the article's page)."""

    @admin.display(description=_("Address"))
    def address(self, obj: ArticleTranslation) -> str:
        return article_url(obj)

    @admin.action(description=_("Publish the selected translations"))
    def publish(self, request: HttpRequest, queryset: QuerySet[ArticleTranslation]) -> None:
        _each_translation(request, queryset, article_publish, str(_("%(count)s translations published.")))

    @admin.action(description=_("Unpublish the selected translations"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[ArticleTranslation]) -> None:
        _each_translation(request, queryset, article_unpublish, str(_("%(count)s translations unpublished.")))

    @admin.action(description=_("Archive the selected translations"))
    def archive(self, request: HttpRequest, queryset: QuerySet[ArticleTranslation]) -> None:
        _each_translation(request, queryset, article_archive, str(_("%(count)s translations archived.")))


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(ReadOnlyAdmin):
    list_display = ("translation", "helpful", "comment", "customer", "created_at")
    list_filter = ("helpful", "translation__language")
    list_select_related = ("translation", "customer")


@admin.register(DeflectionEvent)
class DeflectionEventAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "kind",
        "source",
        "language",
        "query",
        "result_count",
        "article",
        "product",
        "case",
    )
    list_filter = ("kind", "source", "language")
    list_select_related = ("article", "product", "case")
    date_hierarchy = "created_at"
