"""Contacts of a client and their phone numbers."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from clientdesk.clients import phones
from clientdesk.core import geo


class ContactType(models.TextChoices):
    """What a contact is to its client: the primary contact, billing, or other."""

    PRIMARY = "primary", "Primary"
    BILLING = "billing", "Billing"
    OTHER = "other", "Other"


class CustomContactType(models.Model):
    """A company's own kind of contact (Technical, Sales…), managed under Settings → Contact types.

    An "other" contact may carry one; deleting the type leaves its contacts as untyped "other" contacts.
    """

    name = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "contact type"
        ordering = (Lower("name"), "id")
        constraints = (models.UniqueConstraint(Lower("name"), name="contact_type_unique_name"),)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.name = " ".join((self.name or "").split())
        if not self.name:
            raise ValidationError({"name": "Enter a name for the contact type."})
        if self.name.casefold() in {label.casefold() for label in ContactType.labels}:
            raise ValidationError({"name": f"“{self.name}” is a built-in contact type: choose another name."})
        clash = CustomContactType.objects.filter(name__iexact=self.name).exclude(pk=self.pk)
        if clash.exists():
            raise ValidationError({"name": f"There is already a contact type named “{self.name}”."})


class Contact(models.Model):
    """A person at a client. Exactly one per client is primary and holds the client's details."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="contacts")
    contact_type = models.CharField(max_length=16, choices=ContactType.choices, default=ContactType.OTHER)
    # Only an "other" contact has one; none when its type was deleted (an untyped "other" contact).
    custom_type = models.ForeignKey(
        CustomContactType,
        verbose_name="contact type",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    first_name = models.CharField(max_length=128)
    last_name = models.CharField(max_length=128)
    title = models.CharField(max_length=64, blank=True)
    company = models.CharField("company / org.", max_length=128, blank=True)
    email = models.EmailField(max_length=255)
    address1 = models.CharField("address 1", max_length=255, blank=True)
    address2 = models.CharField("address 2", max_length=255, blank=True)
    city = models.CharField(max_length=255, blank=True)
    state = models.CharField("state / province", max_length=8, blank=True, help_text="ISO 3166-2 code")
    postal_code = models.CharField("postal code", max_length=128, blank=True)
    country = models.CharField(max_length=2, choices=geo.country_choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("id",)
        constraints = (
            models.UniqueConstraint(
                fields=["client"], condition=Q(contact_type="primary"), name="contact_one_primary_per_client"
            ),
            models.CheckConstraint(
                condition=Q(custom_type__isnull=True) | Q(contact_type="other"), name="contact_custom_type_only_other"
            ),
        )

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @classmethod
    def audit_display(cls, field: str, value: Any) -> str | None:
        """How the History view words a stored value of a contact (None: as stored)."""
        if field == "country" and isinstance(value, str):
            return geo.country_name(value)
        if field == "state" and isinstance(value, str):
            return geo.subdivision_name(value)
        return None

    @property
    def type_label(self) -> str:
        """What staff read as the contact's type: Primary, Billing, the custom type's name, or Other."""
        if self.contact_type == ContactType.OTHER and self.custom_type_id is not None:
            return self.custom_type.name  # type: ignore[union-attr]
        return str(ContactType(self.contact_type).label) if self.contact_type in ContactType.values else "Other"

    @property
    def state_name(self) -> str:
        return geo.subdivision_name(self.state) if self.state else ""

    @property
    def country_name(self) -> str:
        return geo.country_name(self.country)

    def clean(self) -> None:
        for field in ("first_name", "last_name", "title", "company", "address1", "address2", "city", "postal_code"):
            setattr(self, field, " ".join((getattr(self, field) or "").split()))
        self.email = (self.email or "").strip()
        self.country = (self.country or "").upper()
        if self.country and not geo.is_country(self.country):
            raise ValidationError({"country": "Choose a country from the list."})
        if self.state and not geo.is_subdivision_of(self.state, self.country):
            raise ValidationError(
                {"state": f"Choose a state or province of {geo.country_name(self.country) or 'the country'}."}
            )


class PhoneType(models.TextChoices):
    """What a number is for."""

    PHONE = "phone", "Phone"
    FAX = "fax", "Fax"


class PhoneLocation(models.TextChoices):
    """Where a number rings."""

    HOME = "home", "Home"
    WORK = "work", "Work"
    MOBILE = "mobile", "Mobile"


class PhoneNumber(models.Model):
    """One of a contact's numbers, stored in E.164."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phone_numbers")
    type = models.CharField(max_length=8, choices=PhoneType.choices, default=PhoneType.PHONE)
    location = models.CharField(max_length=8, choices=PhoneLocation.choices, default=PhoneLocation.HOME)
    number = models.CharField(max_length=32, help_text="E.164, e.g. +15550100200")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        """Parse the number as typed, in the contact's country, and keep it as E.164."""
        try:
            self.number = phones.to_e164(
                self.number, self.contact.country, also_likely=settings.CLIENTDESK_DEFAULT_COUNTRY
            )
        except ValidationError as exc:
            raise ValidationError({"number": exc}) from exc

    @property
    def display(self) -> str:
        return phones.display(self.number, self.contact.country)

    @property
    def uri(self) -> str:
        return f"{'fax' if self.type == PhoneType.FAX else 'tel'}:{self.number}"
