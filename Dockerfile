FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install .
COPY . .
# Static files belong to the image (/app/staticfiles, STATIC_ROOT), not to the VAR_DIR volume.
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "partner_center.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4"]
