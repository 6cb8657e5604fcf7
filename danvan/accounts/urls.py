from django.contrib.auth import views as auth_views
from django.urls import path

from danvan.accounts import views

app_name = "accounts"

urlpatterns = [
    # sign-in and one's own account
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/", views.two_factor_view, name="two-factor"),
    path("profile/", views.profile_view, name="profile"),
    path("profile/password/", views.OwnPasswordChangeView.as_view(), name="password-change"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password-reset-complete",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    # administration, within the administrator's scope
    path("users/", views.UserListView.as_view(), name="user-list"),
    path("users/add/", views.user_create_view, name="user-create"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user-detail"),
    path("users/<int:pk>/edit/", views.UserUpdateView.as_view(), name="user-update"),
    path("users/<int:pk>/password/", views.UserPasswordView.as_view(), name="user-password"),
    path("users/<int:pk>/send-reset/", views.UserSendResetView.as_view(), name="user-send-reset"),
    path("users/<int:pk>/unlock/", views.UserUnlockView.as_view(), name="user-unlock"),
    path(
        "users/<int:pk>/reset-two-factor/", views.UserResetSecondFactorView.as_view(), name="user-reset-2fa"
    ),
    path("assignments/", views.AssignmentListView.as_view(), name="assignment-list"),
    path("assignments/add/", views.assignment_create_view, name="assignment-create"),
    path("assignments/<int:pk>/end/", views.AssignmentEndView.as_view(), name="assignment-end"),
    path("roles/", views.RoleListView.as_view(), name="role-list"),
    path("roles/<int:pk>/", views.RoleDetailView.as_view(), name="role-detail"),
    path("roles/<int:pk>/edit/", views.RoleUpdateView.as_view(), name="role-update"),
]
