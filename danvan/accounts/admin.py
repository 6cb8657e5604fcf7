from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from danvan.accounts.models import Role, RoleAssignment, User

admin.site.register(User, UserAdmin)
admin.site.register(Role)
admin.site.register(RoleAssignment)
