"""Print the address and the demo accounts (with the current one-time code of the admin accounts)."""

from django.core.management.base import BaseCommand

from danvan.core import demo
from danvan.core.demo_totp import current_code, ensure_devices
from danvan.structure.models import Organisation


class Command(BaseCommand):
    help = "Print how to reach the demo and its accounts."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, **options):
        front = Organisation.objects.filter(type__code="front", unit__level="province").order_by("pk").first()
        if front is None:
            self.stdout.write("No demo province yet: run `manage.py demo_province`.")
            return
        province = front.unit
        commune = province.children.filter(level="commune").order_by("code").first()
        ensure_devices()
        line = "─" * 78
        self.stdout.write(line)
        self.stdout.write(f"  Dân Vận Số đang chạy tại {options['url']}   (Ctrl-C để dừng)")
        self.stdout.write(f"  Tỉnh mẫu: {province.name} · xã mẫu: {commune.name}")
        self.stdout.write(f"  Mật khẩu của mọi tài khoản mẫu: {demo.DEMO_PASSWORD}")
        self.stdout.write(line)
        for username, role, scope in demo._account_list(province, commune):
            extra = ""
            code = current_code(username)
            if code:
                extra = f"  (mã xác thực: `.venv/bin/python manage.py demo_totp {username}`; lúc này {code})"
            self.stdout.write(f"  {username:<14} {role:<40} {scope}{extra}")
        self.stdout.write(line)
