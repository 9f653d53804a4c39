# crisis-retro-bot — see docs/docker.md.
#   docker build -t crisis-retro-bot .
#   docker run --env-file .env -p 8000:8000 -v crisisbot-data:/data crisis-retro-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# CJK fonts so charts in the retrospective render Chinese text.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

# Non-root user; /data holds the SQLite database and is the volume mount point.
RUN groupadd --system --gid 10001 crisisbot \
    && useradd --system --uid 10001 --gid crisisbot --home-dir /home/crisisbot --create-home \
       --shell /usr/sbin/nologin crisisbot \
    && mkdir -p /data \
    && chown crisisbot:crisisbot /data

# Install the package (not editable): templates, playbooks and migrations go to site-packages.
# The [postgres] extra adds the driver so DATABASE_URL=postgresql://… works too.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY handlers/ handlers/
COPY playbooks/ playbooks/
COPY migrations/ migrations/
RUN pip install --no-cache-dir ".[postgres]" \
    && cd / && rm -rf /src

ENV DATABASE_URL=sqlite:////data/crisisbot.db
VOLUME ["/data"]
WORKDIR /data
USER crisisbot

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["crisisbot"]
# Every interface inside the container, so a published port reaches it. A sandbox (empty .env) refuses
# this without SANDBOX_PASSWORD: it would let anyone post as any member.
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
