"""Development seed: PROSUMINISTROS' advisors across the four areas, and an admin account.

Run by `make setup` when the database has no advisors (only with ENVIRONMENT=development;
any other value is refused, as these accounts share one known password):
    python -m platform_api.seed
Every seeded account signs in with PLATFORM_DEV_PASSWORD from .env.
"""

import sys

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from platform_api.advisors import service as advisors
from platform_api.advisors.models import Advisor
from platform_api.advisors.schemas import AdvisorCreate
from platform_api.config import PLACEHOLDER, settings
from platform_api.database import SessionLocal

ADVISORS: list[dict] = [
    {
        "name": "Laura Martínez",
        "aliases": ["Laurita"],
        "area": "comercial",
        "personal_phone": "573104567890",
        "email": "laura.martinez@prosuministros.com.co",
        "role": "admin",
    },
    {
        "name": "Carlos Ramírez",
        "aliases": ["Carlitos", "Ingeniero Ramírez"],
        "area": "comercial",
        "personal_phone": "573001234501",
        "email": "carlos.ramirez@prosuministros.com.co",
    },
    {
        "name": "Carlos Mendoza",
        "aliases": ["Charly"],
        "area": "soporte",
        "personal_phone": "573001234502",
        "email": "carlos.mendoza@prosuministros.com.co",
    },
    {
        "name": "Paola Andrea Ríos",
        "aliases": ["Pao", "Señora Paola"],
        "area": "comercial",
        "personal_phone": "573151234503",
        "email": "paola.rios@prosuministros.com.co",
    },
    {
        "name": "Andrés Felipe Gómez",
        "aliases": ["Pipe"],
        "area": "comercial",
        "personal_phone": "573201234504",
        "email": "andres.gomez@prosuministros.com.co",
    },
    {
        "name": "Jorge Iván Herrera",
        "aliases": [],
        "area": "soporte",
        "personal_phone": "573121234505",
        "email": "jorge.herrera@prosuministros.com.co",
    },
    {
        "name": "Luisa Fernanda Castaño",
        "aliases": ["Lucha"],
        "area": "documental",
        "personal_phone": "573161234506",
        "email": "luisa.castano@prosuministros.com.co",
    },
    {
        "name": "Diana Marcela Salazar",
        "aliases": ["Dianita"],
        "area": "financiera",
        "personal_phone": "573171234507",
        "email": "diana.salazar@prosuministros.com.co",
    },
    {
        "name": "Sandra Patricia López",
        "aliases": ["Doña Sandra"],
        "area": "financiera",
        "personal_phone": "573181234508",
        "email": "sandra.lopez@prosuministros.com.co",
    },
    {
        "name": "Julián Esteban Ortiz",
        "aliases": [],
        "area": "comercial",
        "personal_phone": "573191234509",
        "email": "julian.ortiz@prosuministros.com.co",
    },
]


def seed(session: Session, password: str | None) -> int:
    """Adds the seed advisors when there are none; returns how many it added."""
    if session.scalar(select(func.count()).select_from(Advisor)):
        return 0
    for row in ADVISORS:
        advisors.create(session, AdvisorCreate(**row, password=password), actor="system:seed")
    return len(ADVISORS)


def main() -> int:
    if settings.environment != "development":
        print(
            f"seed: refused with ENVIRONMENT={settings.environment!r}: the development advisors "
            "are only for development (create real accounts with "
            "`python -m platform_api.advisors.cli create`)",
            file=sys.stderr,
        )
        return 1
    password = settings.platform_dev_password
    if not password or password == PLACEHOLDER:
        print(
            "seed: PLATFORM_DEV_PASSWORD is not set in .env; accounts are created without a "
            "password (set one, then an admin sets them)",
            file=sys.stderr,
        )
        password = None
    with SessionLocal() as session:
        added = seed(session, password)
        session.commit()
    if added:
        print(
            f"==> seeded {added} advisors (password: PLATFORM_DEV_PASSWORD in .env; "
            f"admin: {ADVISORS[0]['email']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
