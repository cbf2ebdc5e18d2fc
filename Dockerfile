# The web app, the Celery worker and Celery beat all run from this one image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    APP_VAR_DIR=/app/var \
    APP_MEDIA_ROOT=/data/media \
    GUNICORN_BIND=0.0.0.0:8000 \
    MPLCONFIGDIR=/tmp/matplotlib

# An unprivileged user owns nothing but the media folder (reports).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

# The code version recorded with every report (the image has no .git to ask):
#   docker compose build --build-arg APP_CODE_VERSION="$(git describe --always --dirty)"
ARG APP_CODE_VERSION=""
ENV APP_CODE_VERSION=${APP_CODE_VERSION}

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files are collected into the image and served by whitenoise. The keys here are
# throwaway values made for this one command; the real ones come from the environment.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    ALLOCATION_KEY="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    python manage.py collectstatic --noinput \
    && mkdir -p /data/media \
    && chown -R app:app /data/media

USER app
EXPOSE 8000
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]
