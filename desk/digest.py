"""The weekly e-mail of «Cosa devo fare», for the users who asked for it (`User.weekly_digest`).

The list is the one of the home page (`desk.selectors.desk_for`), one part per ente in which the
user holds a role; a user with nothing to do anywhere gets no e-mail, so that the digest is never
noise. Each message has an Italian text body and the same content as HTML. The links are
absolute: the command is given the address of the site (there is no request to ask).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.access import access_for
from accounts.models import User
from desk.selectors import Desk, desk_for
from engine.numbers import format_date
from organization.models import Ente

logger = logging.getLogger(__name__)


@dataclass
class DigestReport:
    sent: list[str] = field(default_factory=list)  # usernames
    nothing_to_do: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def recipients():
    """Active users who asked for the digest and have an address."""
    return User.objects.filter(is_active=True, weekly_digest=True).exclude(email="")


def desks_of(user: User, today: dt.date) -> list[Desk]:
    """The user's non-empty «Cosa devo fare» in each ente where they hold a role (platform
    administrators only for the enti they are members of, not for every hosted ente)."""
    desks = []
    for ente in Ente.objects.filter(memberships__user=user).distinct().order_by("name"):
        access = access_for(user, ente)
        if access is None:
            continue
        desk = desk_for(user, access, today)
        if desk.tasks:
            desks.append(desk)
    return desks


def message_for(user: User, desks: list[Desk], *, base_url: str, today: dt.date):
    """The e-mail (text and HTML) of `desks`."""
    base = base_url.rstrip("/")
    total = sum(desk.total for desk in desks)
    context = {
        "user": user,
        "name": user.get_full_name() or user.username,
        "desks": desks,
        "total": total,
        "today": today,
        "base": base,
        "home_url": base + reverse("desk:home"),
        "calendar_url": base + reverse("desk:calendar"),
        "account_url": base + reverse("accounts:my_account"),
        "several_enti": len(desks) > 1,
        "choose_url": base + reverse("accounts:choose_ente"),
    }
    subject = f"Performa – cosa devo fare: {total} attività (settimana del {format_date(today)})"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("desk/digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(render_to_string("desk/digest.html", context), "text/html")
    return message


def send_digests(
    *, today: dt.date, base_url: str, usernames: list[str] | None = None, dry_run: bool = False
) -> DigestReport:
    """Send each opted-in user their list; one failing address does not stop the others."""
    report = DigestReport()
    users = recipients().order_by("username")
    if usernames:
        users = users.filter(username__in=usernames)
    connection = None if dry_run else get_connection()
    for user in users:
        desks = desks_of(user, today)
        if not desks:
            report.nothing_to_do.append(user.username)
            continue
        if dry_run:
            report.sent.append(user.username)
            continue
        message = message_for(user, desks, base_url=base_url, today=today)
        message.connection = connection
        try:
            message.send()
        except (smtplib.SMTPException, OSError):
            logger.exception("Riepilogo settimanale non inviato a %s", user.username)
            report.failed.append(user.username)
        else:
            report.sent.append(user.username)
    return report
