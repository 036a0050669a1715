"""Sign-in, sign-up, sign-out and password reset pages."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import TooManyRequests

from storefront.accounts import bp, throttle
from storefront.accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from storefront.accounts.homes import home_endpoint
from storefront.accounts.services import (
    authenticate,
    change_password,
    find_user_by_email,
    make_reset_token,
    send_no_account_mail,
    send_reset_mail,
    sign_up,
    user_from_reset_token,
)
from storefront.accounts.sessions import sign_in, sign_out, sign_out_everywhere
from storefront.extensions import db, limiter
from storefront.request_input import safe_next


def _login_limit():
    return current_app.config["RATELIMIT_LOGIN"]


def _public_url(endpoint, **values) -> str:
    # Never build mailed links from the Host header: a forged Host would mail them elsewhere.
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email, address = form.email.data, request.remote_addr
        address_wait = throttle.address_wait_seconds(address)
        if address_wait:
            raise TooManyRequests(retry_after=address_wait)
        wait = throttle.account_wait_seconds(email)
        if wait:
            form.password.errors.append(
                _(
                    "Đã nhập sai mật khẩu nhiều lần. Hãy thử lại sau %(minutes)s phút, hoặc đặt lại mật khẩu.",
                    minutes=-(-wait // 60),
                )
            )
            return render_template("accounts/login.html", form=form), 429, {"Retry-After": str(wait)}
        user = authenticate(email, form.password.data)
        if user is None:
            throttle.record_failure(email, address)
            form.password.errors.append(_("Email hoặc mật khẩu không đúng."))
        else:
            throttle.clear_failures(email)
            sign_in(user, remember=form.remember.data)
            db.session.commit()
            flash(_("Đăng nhập thành công."), "success")
            return redirect(safe_next(home_endpoint(user)))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    sign_out(current_user._get_current_object())
    db.session.commit()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("main.index"))


@bp.route("/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    sign_out_everywhere(current_user._get_current_object())
    db.session.commit()
    flash(_("Đã đăng xuất khỏi mọi thiết bị. Hãy đăng nhập lại."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        # Known or not, the e-mail gets a message and the page says the same: no enumeration.
        sign_up(
            email=form.email.data,
            password=form.password.data,
            full_name=form.full_name.data,
            phone=form.phone.data,
            login_url=_public_url("accounts.login"),
            reset_url=_public_url("accounts.reset_request"),
        )
        db.session.commit()
        flash(
            _(
                "Chúng tôi đã gửi thư tới %(email)s. Hãy đăng nhập bằng email và mật khẩu bạn vừa chọn.",
                email=form.email.data.strip().lower(),
            ),
            "success",
        )
        return redirect(url_for("accounts.login", next=request.args.get("next")))
    return render_template("accounts/register.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        if user:
            token = make_reset_token(user, current_app.config["SECRET_KEY"])
            send_reset_mail(user, _public_url("accounts.reset_password", token=token))
        else:
            send_no_account_mail(form.email.data, _public_url("accounts.register"))
        db.session.commit()
        # Same answer, and a mail either way, whether or not the address has an account.
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
    form.account = user
    if form.validate_on_submit():
        change_password(user, form.password.data)  # also signs the account out everywhere
        db.session.commit()
        throttle.clear_failures(user.email)  # the mailbox's owner need not wait out a guesser's lock
        flash(_("Đã đổi mật khẩu. Hãy đăng nhập."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    form.account = user
    if form.validate_on_submit():
        # A borrowed signed-in phone must not become a way to guess the password.
        if throttle.account_wait_seconds(user.email):
            form.current_password.errors.append(_("Đã nhập sai mật khẩu nhiều lần. Hãy thử lại sau ít phút."))
        elif not user.check_password(form.current_password.data):
            throttle.record_failure(user.email, request.remote_addr)
            form.current_password.errors.append(_("Mật khẩu hiện tại không đúng."))
        else:
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            change_password(user, form.password.data)  # every other device is signed out
            sign_in(user, remember=remembered)
            db.session.commit()
            flash(_("Đã đổi mật khẩu. Các thiết bị khác đã được đăng xuất."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/password.html", form=form)


@bp.route("/")
@login_required
def account():
    return render_template("accounts/account.html", user=current_user)
