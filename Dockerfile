# Production image: gunicorn serves the app, the same image runs the Celery worker and beat.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install .
COPY . .
RUN DEBUG=false SECRET_KEY=build-only-collectstatic python manage.py collectstatic --noinput
RUN useradd --create-home playbook && chown -R playbook /app/var
USER playbook
EXPOSE 8000
CMD ["gunicorn", "playbook.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
