"""Contacts of a client and their phone numbers."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clientdesk.clients import phones
from clientdesk.core import geo


class ContactType(models.TextChoices):
    """What a contact is to its client: the primary contact, billing, or other."""

    PRIMARY = "primary", "Primary"
    BILLING = "billing", "Billing"
    OTHER = "other", "Other"


class Contact(models.Model):
    """A person at a client. Exactly one per client is primary and holds the client's details."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="contacts")
    contact_type = models.CharField(max_length=16, choices=ContactType.choices, default=ContactType.OTHER)
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
        )

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

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
