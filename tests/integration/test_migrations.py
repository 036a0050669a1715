"""The migrations build the same schema as the models, on this run's database engine."""

import logging
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from config import TestConfig
from storefront import create_app
from storefront.extensions import db


@pytest.fixture
def empty_database(database_url, tmp_path):
    """Yield a URL of a brand-new empty database of the same engine as the suite's."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"mig_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(database_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(autouse=True)
def _logging_as_it_was():
    """Alembic's env.py configures logging from alembic.ini (a handler on this test's captured stderr)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_upgrade_from_empty_matches_the_models_and_downgrades_cleanly(empty_database):
    config = type("MigrationConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": empty_database})
    app = create_app(config)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        with db.engine.connect() as conn:  # the row whose number tells workers their origin cache is stale
            assert conn.execute(sa.text("SELECT id, version FROM origin_versions")).all() == [(1, 0)]
        assert not logging.getLogger("traceability.origin.cache").disabled  # env.py leaves the app's loggers on
        downgrade(revision="base")
        with db.engine.connect() as conn:
            remaining = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()


def test_images_gallery_keeps_old_photo_rows_and_tidies_their_order_and_alt(empty_database):
    """Photos stored before the gallery: kept, numbered 0, 1, 2… in their old order, never without alt text."""
    config = type("MigrationConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": empty_database})
    app = create_app(config)
    with app.app_context():
        upgrade(revision="c3f1a2b4d5e6")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO producers (id, slug, name, legal_type, business_reg_no, business_reg_place, phone, "
                    "representative, province_code, street, legacy_address, legacy_district, story_md, status, "
                    "status_reason, is_story_hidden, hidden_reason, created_at) VALUES (1, 'p', 'HTX', 'htx', '1', '', '', "
                    "'', 19, '', '', '', '', 'approved', '', false, '', CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO products (id, producer_id, slug, name_vi, name_en, description_vi, description_en, "
                    "ingredients, usage, storage, ocop_group, ocop_subgroup, unit, net_quantity, price_vnd, "
                    "is_published, is_hidden, hidden_reason, created_at, updated_at) VALUES (1, 1, 'che', 'Chè búp', '', "
                    "'', '', '', '', '', 1, '', '', '', 1000, false, false, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO product_images (id, product_id, filename, position, alt, width, height) VALUES "
                    "(1, 1, 'b.jpg', 5, '', 800, 600), (2, 1, 'a.jpg', 0, 'Gói chè', 0, 0), (3, 1, 'c.jpg', 5, 'Ấm', 10, 10)"
                )
            )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT filename, position, alt, alt_en, width FROM product_images ORDER BY position")
            ).all()
        assert rows == [("a.jpg", 0, "Gói chè", "", 0), ("b.jpg", 1, "Chè búp", "", 800), ("c.jpg", 2, "Ấm", "", 10)]
        downgrade(revision="c3f1a2b4d5e6")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM product_images")).scalar() == 3
        db.engine.dispose()


def test_upgrading_an_old_demo_database_keeps_only_the_year_of_invented_decisions(empty_database):
    """Demo seeds before revision b41d7e2c9a10 invented decision numbers and days for real products."""
    from datetime import date

    from tests.factories import make_certificate

    config = type("MigrationConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": empty_database})
    app = create_app(config)
    with app.app_context():
        upgrade()
        invented = make_certificate(decision_number="2231/QĐ-UBND (số, ngày minh hoạ)", decision_date=date(2023, 5, 17))
        real = make_certificate(decision_number="1489/QĐ-UBND", decision_date=date(2024, 3, 2))
        db.session.commit()
        ids = invented.id, real.id
        db.session.remove()
        downgrade(revision="e5b8c2d9f1a3")
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT decision_number, decision_date, valid_until, decision_day_known FROM certificates"
                    " WHERE id IN (:a, :b) ORDER BY id"
                ),
                {"a": ids[0], "b": ids[1]},
            ).all()
        as_dates = [(n, str(d), str(v), bool(k)) for n, d, v, k in rows]
        assert as_dates == [
            ("", "2023-01-01", "2026-01-01", False),
            ("1489/QĐ-UBND", "2024-03-02", "2027-03-02", True),
        ]
        downgrade(revision="base")
        db.engine.dispose()  # the fixture drops this database; no pooled connection may outlive the test


def test_upgrading_an_old_demo_database_gives_its_homestay_to_the_demo_producer_account(empty_database):
    """Demo seeds before revision 8e2b5d7a1c46 put the homestay under a fictional co-op that has no login."""
    from storefront.catalog.models import ProductImage
    from tests.factories import make_producer
    from tests.factories_experiences import make_booking, make_experience, next_saturday, session_on

    config = type("MigrationConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": empty_database})
    app = create_app(config)
    with app.app_context():
        upgrade()
        hao_dat = make_producer(name="HTX Chè Hảo Đạt")
        binh_minh = make_producer(name="HTX Demo Chè Bình Minh (hư cấu)")
        homestay = make_experience(
            producer=binh_minh,
            nights=1,
            name_vi="Homestay đồi chè Bình Minh, một đêm (hư cấu)",
            meeting_address="Nhà sàn Bình Minh, xã Tân Cương (địa chỉ hư cấu)",
        )
        product = homestay.product
        product.slug, product.name_en = (
            "homestay-doi-che-binh-minh-mot-dem-hu-cau",
            "Binh Minh tea-hill homestay, one night (fictional)",
        )
        product.images.append(
            ProductImage(
                filename="h.jpg", alt=f"Ảnh minh hoạ, không phải ảnh chụp sản phẩm: nhà sàn – {product.name_vi}"
            )
        )
        stay = make_booking(session_on(homestay, next_saturday()))
        db.session.commit()
        ids = {"product": product.id, "booking": stay.id, "hao_dat": hao_dat.id}
        db.session.remove()
        downgrade(revision="5d1f0b7e9a2c")
        upgrade()
        with db.engine.connect() as conn:
            moved = conn.execute(
                sa.text("SELECT producer_id, slug, name_vi, description_vi FROM products WHERE id = :id"),
                {"id": ids["product"]},
            ).one()
            booking = conn.execute(
                sa.text("SELECT producer_id, experience_name FROM bookings WHERE id = :id"), {"id": ids["booking"]}
            ).one()
            address = conn.execute(
                sa.text("SELECT meeting_address FROM experiences WHERE product_id = :id"), {"id": ids["product"]}
            ).scalar()
            alt = conn.execute(
                sa.text("SELECT alt FROM product_images WHERE product_id = :id"), {"id": ids["product"]}
            ).scalar()
            redirect = conn.execute(sa.text("SELECT kind, slug, target_id FROM slug_redirects")).all()
        new_name = "Homestay minh hoạ trên đồi chè Tân Cương, một đêm (hư cấu)"
        assert moved[:3] == (ids["hao_dat"], "homestay-minh-hoa-tren-doi-che-tan-cuong-mot-dem-hu-cau", new_name)
        assert "HTX Chè Hảo Đạt có thật nhưng không công bố homestay này" in moved[3]
        assert tuple(booking) == (ids["hao_dat"], new_name)
        assert address == "Nhà sàn minh hoạ, xã Tân Cương (địa chỉ hư cấu)" and alt.endswith(new_name)
        assert redirect == [("product", "homestay-doi-che-binh-minh-mot-dem-hu-cau", ids["product"])]
        downgrade(revision="base")
        db.engine.dispose()
