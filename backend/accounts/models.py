from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import (
    AbstractBaseUser,
    PermissionsMixin,
    _user_has_module_perms,
    _user_has_perm,
)
from django.db import models
from django.utils import timezone

from backend.common.models import BaseModel


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    FRENCH = "fr", "Français"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """One account per resident or staff member, identified by email."""

    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=150, blank=True)
    preferred_language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    is_staff = models.BooleanField(
        default=False, help_text="Whether the user can log into the Town's admin."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.display_name or self.email

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        # A superuser without MFA is held to the backends like everyone else, and the backend
        # withholds staff permissions until MFA is set up.
        if self.is_active and self.is_superuser and self.staff_permissions_unlocked:
            return True
        return _user_has_perm(self, perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.is_superuser and self.staff_permissions_unlocked:
            return True
        return _user_has_module_perms(self, app_label)

    @property
    def staff_permissions_unlocked(self) -> bool:
        from backend.accounts.selectors import user_staff_permissions_unlocked

        return user_staff_permissions_unlocked(user=self)


class HomeAddress(BaseModel):
    """A resident's home: private to its owner and to staff allowed to read addresses."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="home_address")
    street = models.CharField(max_length=200)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=12, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    ward = models.CharField(max_length=50, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "home addresses"

    def __str__(self) -> str:
        return self.street
