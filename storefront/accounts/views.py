"""Sign-in, sign-up, sign-out and password reset pages."""
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from storefront.accounts import bp
from storefront.accounts.forms import LoginForm, RegisterForm, ResetPasswordForm, ResetRequestForm
from storefront.accounts.homes import home_endpoint
from storefront.accounts.services import (
    EmailTaken, authenticate, find_user_by_email, make_reset_token, register_user,
    send_reset_mail, user_from_reset_token,
)
from storefront.extensions import db, limiter


def safe_next(default_endpoint="main.index") -> str:
    """Return the ?next= target when it stays on this site."""
    target = request.args.get("next") or request.form.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return url_for(default_endpoint)


def _login_limit():
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Email hoặc mật khẩu không đúng."))
        else:
            login_user(user, remember=form.remember.data)
            db.session.commit()
            flash(_("Đăng nhập thành công."), "success")
            return redirect(safe_next(home_endpoint(user)))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = register_user(
                email=form.email.data, password=form.password.data,
                full_name=form.full_name.data, phone=form.phone.data,
            )
        except EmailTaken:
            form.email.errors.append(_("Email này đã có tài khoản."))
        else:
            db.session.commit()
            login_user(user)
            flash(_("Tạo tài khoản thành công."), "success")
            return redirect(safe_next())
    return render_template("accounts/register.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        if user:
            token = make_reset_token(user, current_app.config["SECRET_KEY"])
            # Never build the link from the Host header: a forged Host would mail the token elsewhere.
            base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
            send_reset_mail(user, base + url_for("accounts.reset_password", token=token))
            db.session.commit()
        # Same answer whether or not the address has an account.
        flash(_("Nếu email có tài khoản, chúng tôi đã gửi liên kết đặt lại mật khẩu."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    user = user_from_reset_token(token, current_app.config["SECRET_KEY"])
    if user is None:
        flash(_("Liên kết đặt lại mật khẩu không hợp lệ hoặc đã hết hạn."), "error")
        return redirect(url_for("accounts.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        db.session.commit()
        flash(_("Đã đổi mật khẩu. Hãy đăng nhập."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/")
@login_required
def account():
    return render_template("accounts/account.html", user=current_user)
