"""Slugs of products and producers: unique ones, renames that keep the old slug answering with a redirect."""

from sqlalchemy import delete, select

from storefront.catalog.models import Producer, Product, SlugRedirect
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.text import slugify


class CatalogError(DomainError):
    """A catalogue rule refused an action."""


def redirect_target(kind: str, slug: str) -> str | None:
    """Return the current slug of a product or producer once known by `slug`, or None."""
    model = {"product": Product, "producer": Producer}[kind]
    return db.session.scalar(
        select(model.slug)
        .join(SlugRedirect, SlugRedirect.target_id == model.id)
        .where(SlugRedirect.kind == kind, SlugRedirect.slug == slug)
    )


def unique_slug(model, text: str, *, exclude_id: int | None = None) -> str:
    """Return an ASCII slug of `text` not used by another row of `model` nor kept as a redirect."""
    base = slugify(text, max_length=150)
    kind = "product" if model is Product else "producer"
    taken_query = select(model.slug).where(model.slug.like(f"{base}%"))
    if exclude_id is not None:
        taken_query = taken_query.where(model.id != exclude_id)
    taken = set(db.session.scalars(taken_query))
    taken.update(
        db.session.scalars(
            select(SlugRedirect.slug).where(
                SlugRedirect.kind == kind,
                SlugRedirect.slug.like(f"{base}%"),
                SlugRedirect.target_id != (exclude_id or 0),
            )
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _change_slug(kind: str, obj, new_slug: str) -> None:
    if new_slug == obj.slug:
        return
    old = obj.slug
    # The new slug may be one this object had before: it stops being a redirect.
    db.session.execute(
        delete(SlugRedirect).where(
            SlugRedirect.kind == kind, SlugRedirect.slug == new_slug, SlugRedirect.target_id == obj.id
        )
    )
    db.session.add(SlugRedirect(kind=kind, slug=old, target_id=obj.id))
    obj.slug = new_slug


def rename_product(product: Product, new_name_vi: str) -> Product:
    """Rename a product; its slug follows and the old one keeps answering with a redirect."""
    return _rename(product, "name_vi", new_name_vi)


def rename_producer(producer: Producer, new_name: str) -> Producer:
    """Rename a producer; its slug follows and the old one keeps answering with a redirect."""
    return _rename(producer, "name", new_name)


def _rename(obj, attribute: str, new_name: str):
    new_name = (new_name or "").strip()
    if not new_name:
        raise CatalogError("empty name")
    setattr(obj, attribute, new_name)
    kind = "product" if isinstance(obj, Product) else "producer"
    _change_slug(kind, obj, unique_slug(type(obj), new_name, exclude_id=obj.id))
    db.session.flush()
    return obj
