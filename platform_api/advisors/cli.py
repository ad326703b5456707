"""Advisor accounts from the command line, for an admin without the API (the first admin of a
production install, a forgotten password):

    python -m platform_api.advisors.cli create --name "Ana Gómez" --email ana@empresa.co \
        --area comercial [--role admin]
    python -m platform_api.advisors.cli reset-password ana@empresa.co
    python -m platform_api.advisors.cli deactivate ana@empresa.co

The password is asked twice on a terminal, or read from the first line of stdin
(`--password-stdin`, or whenever stdin is not a terminal). Every change is audited with the
actor `cli`; a reset or a deactivation ends every session of that advisor."""

import argparse
import getpass
import sys
from collections.abc import Sequence
from typing import TextIO

from pydantic import ValidationError

from platform_api.advisors import service
from platform_api.advisors.models import AREAS
from platform_api.advisors.schemas import AdvisorCreate, AdvisorUpdate
from platform_api.database import SessionLocal

ACTOR = "cli"
MIN_PASSWORD = 10


class CliError(Exception):
    """Shown to the admin as `error: ...`, exit status 1."""


def read_password(from_stdin: bool, stdin: TextIO = sys.stdin) -> str:
    if from_stdin or not stdin.isatty():
        password = stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Contraseña nueva: ")
        if getpass.getpass("Repítela: ") != password:
            raise CliError("las contraseñas no coinciden")
    if len(password) < MIN_PASSWORD:
        raise CliError(f"la contraseña debe tener al menos {MIN_PASSWORD} caracteres")
    return password


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m platform_api.advisors.cli", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="crea un asesor con contraseña")
    create.add_argument("--name", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--area", required=True, choices=AREAS)
    create.add_argument("--role", default="advisor", choices=("advisor", "admin"))
    create.add_argument("--phone", default=None, help="celular personal, p. ej. 573001234567")
    create.add_argument("--password-stdin", action="store_true")
    reset = commands.add_parser("reset-password", help="cambia la contraseña y cierra sesiones")
    reset.add_argument("email")
    reset.add_argument("--password-stdin", action="store_true")
    deactivate = commands.add_parser("deactivate", help="desactiva el asesor y cierra sesiones")
    deactivate.add_argument("email")
    return root


def run(args: argparse.Namespace, stdin: TextIO = sys.stdin) -> str:
    """Does what the arguments say; returns the line to print."""
    with SessionLocal() as session:
        if args.command == "create":
            password = read_password(args.password_stdin, stdin)
            try:
                data = AdvisorCreate(
                    name=args.name,
                    email=args.email,
                    area=args.area,
                    role=args.role,
                    personal_phone=args.phone,
                    password=password,
                )
                advisor = service.create(session, data, actor=ACTOR)
            except ValidationError as error:
                raise CliError(error.errors()[0]["msg"]) from error
            except service.DuplicateEmailError as error:
                raise CliError(f"ya existe un asesor con el correo {error}") from error
            session.commit()
            return f"asesor {advisor.id} creado: {advisor.email} ({advisor.role}, {advisor.area})"
        advisor = service.get_by_email(session, args.email.strip())
        if advisor is None:
            raise CliError(f"no hay un asesor con el correo {args.email}")
        if args.command == "reset-password":
            password = read_password(args.password_stdin, stdin)
            service.update(session, advisor, AdvisorUpdate(password=password), actor=ACTOR)
            session.commit()
            return f"contraseña de {advisor.email} cambiada; sus sesiones se cerraron"
        service.update(session, advisor, AdvisorUpdate(is_active=False), actor=ACTOR)
        session.commit()
        return f"{advisor.email} desactivado; sus sesiones se cerraron"


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        print(run(args))
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
