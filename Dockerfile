# Fuhua production image: `node bin/fuhua.js api|worker|migrate`.
# TypeScript runs through tsx, which is a runtime dependency, so the image needs production dependencies only
# (no compile step). See docker-compose.yml for the full stack.

##### Dependencies (production only) #####
FROM node:20-bookworm-slim AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

##### Runtime #####
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# Code and dependencies stay owned by root: the app user can read them, not change them.
COPY --from=deps /app/node_modules ./node_modules
COPY . .
# The unprivileged `node` user (uid 1000) ships with the base image.
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/fuhua.js", "api"]
