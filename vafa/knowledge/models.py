"""The knowledge base: articles with a version per language, their history, feedback and deflection.

An `Article` is one piece of help ("How to descale the coffee machine"); it has one
`ArticleTranslation` per language, each drafted and published on its own, each with its revision
history. `DeflectionEvent` rows record what customers searched, read and did next, so the business
can see how many requests self-service answered.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: customers and visitors")
    INTERNAL = "internal", _("Internal: agents only")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class ArticleCategory(models.Model):
    """A shelf of the help centre ("Getting started", "Warranty and repairs"), named in every language."""

    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    names = models.JSONField(_("names per language"), default=dict, blank=True)
    descriptions = models.JSONField(_("descriptions per language"), default=dict, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("article category")
        verbose_name_plural = _("article categories")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.names.get("en") or self.slug

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.slug


class Article(models.Model):
    """One piece of help, written once per language; linked to the products it is about."""

    category = models.ForeignKey(
        ArticleCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    products = models.ManyToManyField(
        "catalog.Product", verbose_name=_("products"), blank=True, related_name="articles"
    )
    product_categories = models.ManyToManyField(
        "catalog.Category", verbose_name=_("product categories"), blank=True, related_name="articles"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The agent's reply this article was drafted from, when it was (a message id, not a key: a
    # merged or deleted case must not take the article with it).
    source_message_id = models.BigIntegerField(_("drafted from message"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["visibility", "category"], name="knowledge_article_shelf")]

    def __str__(self) -> str:
        return f"#{self.pk}"


class ArticleTranslation(models.Model):
    """The article in one language: its own title, address, text, state and feedback counts."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("address name"), max_length=120, allow_unicode=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True, default="")
    body_html = models.TextField(_("text (HTML)"), blank=True, default="")
    body_text = models.TextField(_("text"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last edited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    # Counters kept by the feedback and deflection services (the ranking reads them; the
    # feedback rows stay the record).
    helpful_count = models.PositiveIntegerField(_("found it helpful"), default=0)
    unhelpful_count = models.PositiveIntegerField(_("did not find it helpful"), default=0)
    view_count = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("article translation")
        verbose_name_plural = _("article translations")
        ordering = ["article_id", "language"]
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="knowledge_translation_language"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="knowledge_translation_published_at",
                violation_error_message=_("A published article needs its publication time."),
            ),
        ]
        indexes = [models.Index(fields=["language", "status"], name="knowledge_translation_state")]

    def __str__(self) -> str:
        return self.title


class ArticleRevision(models.Model):
    """One saved state of a translation: who changed what, when (the revision history)."""

    translation = models.ForeignKey(
        ArticleTranslation, verbose_name=_("translation"), on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("revision"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True, default="")
    body_html = models.TextField(_("text (HTML)"), blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=ArticleStatus.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("article revision")
        verbose_name_plural = _("article revisions")
        ordering = ["translation_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["translation", "number"], name="knowledge_revision_number"),
        ]

    def __str__(self) -> str:
        return f"{self.translation_id} r{self.number}"


class ArticleFeedback(models.Model):
    """A reader's "was this helpful?" answer, with an optional comment; one per reader and article."""

    translation = models.ForeignKey(
        ArticleTranslation, verbose_name=_("translation"), on_delete=models.CASCADE, related_name="feedback"
    )
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, default="")
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The reader's browser session (hashed), so a second click changes the answer instead of adding one.
    reader_key = models.CharField(_("reader"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["translation", "reader_key"], name="knowledge_feedback_once"),
        ]

    def __str__(self) -> str:
        return f"{self.translation_id}: {'+' if self.helpful else '-'}"


class DeflectionEvent(models.Model):
    """One step of a customer's way to an answer: a search, an article read, "answered", a request sent.

    Steps of one visit share a `visit` key (made by the page the customer is on), which is how a
    request sent after reading an article is told apart from one sent straight away.
    """

    class Kind(models.TextChoices):
        SEARCH = "search", _("Searched")
        VIEW = "view", _("Read an article")
        ANSWERED = "answered", _("Answered by an article")
        SUBMITTED = "submitted", _("Sent a request")

    class Source(models.TextChoices):
        PORTAL = "portal", _("Portal")
        HELP_CENTRE = "help", _("Help centre")
        WIDGET = "widget", _("Help widget")
        DESK = "desk", _("Desk")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("where"), max_length=10, choices=Source.choices, default=Source.PORTAL)
    visit = models.CharField(_("visit"), max_length=64, db_index=True)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    query = models.CharField(_("search"), max_length=200, blank=True, default="")
    result_count = models.PositiveIntegerField(_("results"), null=True, blank=True)
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    case = models.ForeignKey(
        "service.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("self-service step")
        verbose_name_plural = _("self-service steps")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Covers the self-service report: a period's steps are counted from the index alone
            # (SQLite read every step's row beside the narrower (kind, created_at) index).
            models.Index(
                fields=["kind", "created_at", "source", "product", "language", "article"],
                name="knowledge_deflection_report",
            ),
            models.Index(fields=["article", "kind"], name="knowledge_deflection_article"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.visit}"


class ArticleSearchDocument(models.Model):
    """What the knowledge-base search finds a published translation by: its normalised, stemmed tokens.

    One row per *published* translation (drafts and archived ones have none), written by the
    services in the transaction of the change (vafa.knowledge.search). The full-text index over
    `title` and `body` is the database's own: an SQLite FTS5 table or a PostgreSQL tsvector column,
    created by migration 0002 (docs/decisions/0011-knowledge-search.md). `language` and
    `visibility` are copies, so the index alone decides what a reader may find.
    """

    translation = models.OneToOneField(
        ArticleTranslation,
        verbose_name=_("translation"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_document",
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="search_documents"
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices)
    title = models.TextField(_("title tokens"), blank=True, default="")
    body = models.TextField(_("text tokens"), blank=True, default="")
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("article search document")
        verbose_name_plural = _("article search documents")
        indexes = [models.Index(fields=["language", "visibility"], name="knowledge_search_language")]

    def __str__(self) -> str:
        return f"{self.translation_id}"
