"""Factories for the knowledge base. `published_article` goes through the services, so the
article is indexed exactly as an editor's would be."""

from __future__ import annotations

from collections.abc import Iterable

import factory

from vafa.accounts.models import User
from vafa.catalog.models import Category, Product
from vafa.knowledge.models import Article, ArticleCategory, ArticleTranslation, Visibility
from vafa.knowledge.services import article_create, article_publish, article_translation_save


class ArticleCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArticleCategory
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"shelf-{n}")
    names = factory.LazyAttribute(lambda o: {"en": o.slug.replace("-", " ").title()})
    position = factory.Sequence(lambda n: n)


def published_article(
    *,
    texts: dict[str, tuple[str, str]],
    category: ArticleCategory | None = None,
    visibility: str = Visibility.PUBLIC,
    products: Iterable[Product] = (),
    product_categories: Iterable[Category] = (),
    drafts: Iterable[str] = (),
    actor: User | None = None,
    summaries: dict[str, str] | None = None,
) -> Article:
    """An article with a translation per language in `texts` ({language: (title, body)}), published
    except for the languages in `drafts`."""
    article = article_create(
        actor=actor,
        category=category,
        visibility=visibility,
        products=products,
        product_categories=product_categories,
    )
    for language, (title, body) in texts.items():
        translation = article_translation_save(
            actor=actor,
            article=article,
            language=language,
            title=title,
            body_html=f"<p>{body}</p>",
            summary=(summaries or {}).get(language, ""),
        )
        if language not in set(drafts):
            article_publish(actor=actor, translation=translation)
    return article


def translation(article: Article, language: str) -> ArticleTranslation:
    """The article's translation in `language`."""
    return ArticleTranslation.objects.get(article=article, language=language)
