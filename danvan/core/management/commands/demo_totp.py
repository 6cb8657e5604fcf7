from django.core.management.base import BaseCommand, CommandError

from danvan.core.demo_totp import current_code


class Command(BaseCommand):
    help = "Print the current one-time code of a demo administrator account."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        code = current_code(options["username"])
        if code is None:
            raise CommandError("Tài khoản này không có thiết bị xác thực mẫu.")
        self.stdout.write(code)
