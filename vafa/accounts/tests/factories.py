import factory

from vafa.accounts.models import Role, Team, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"agent{n}@staff.vafa.test")
    full_name = factory.Faker("name")
    role = Role.AGENT
    password = factory.django.Password("pw-Vafa-2026")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
