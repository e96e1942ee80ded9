# Fuhua production image: the compiled JavaScript of `npm run build` on Node 22 LTS, started as
# `node dist/bin/fuhua.js api|worker|migrate`. The production stage holds no tests, benchmarks, TypeScript, tsx or
# embedded-postgres (an optional dependency, left out here): it needs DATABASE_URL, which the image sets.
# See docker-compose.yml for the whole stack and docs/operations.md.

##### Build: every dependency, compile into dist/, prebuild the workflow bundle #####
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY i18n ./i18n
COPY api ./api
COPY activities ./activities
COPY db ./db
COPY workflows ./workflows
RUN npm run build

##### Production dependencies only: no dev, no optional (embedded-postgres) #####
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund --ignore-scripts \
 && npm cache clean --force

##### Runtime #####
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    FUHUA_METRICS_PORT=9464 \
    FUHUA_METRICS_HOST=0.0.0.0 \
    DATABASE_URL=postgres://fuhua:fuhua@postgres:5432/fuhua \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# Code and dependencies stay owned by root: the app user can read them, not change them.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The unprivileged `node` user (uid 1000) ships with the base image.
USER node
# 3000: the API. 9464: Prometheus /metrics; publish it to a private address only (docker-compose.yml does).
EXPOSE 3000 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/bin/fuhua.js", "api"]
