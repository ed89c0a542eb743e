# syntax=docker/dockerfile:1
# One image for every Embargo app; APP picks which one runs:
#   docker build -t embargo .
#   docker run -e APP=audit -e AUDIT_API_TOKEN=... embargo
# APP is one of: ingress, masking, policy, approval, audit, stand-in-upstream.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: install everything, compile, then drop dev dependencies ----------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first, so the dependency layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
# npm install, not npm ci: the lock file (npm 11) leaves out other platforms' optional
# packages, which npm ci refuses; install keeps the locked versions.
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund \
  && npm cache clean --force

# ---- runtime: compiled code and production dependencies only, as a non-root user ---
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    # Inside a container the apps must listen on every interface, not only loopback.
    HOST=0.0.0.0 \
    TZ=UTC
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/bin ./bin
# The code is owned by root and read-only to the app user; the node user (uid 1000)
# ships with the base image.
USER node
EXPOSE 8080 8081 8082 8083 8084 8090
# Liveness on the app's own port (its PORT, else the app's default).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const d={ingress:8080,masking:8081,policy:8082,approval:8083,audit:8084,'stand-in-upstream':8090};fetch('http://127.0.0.1:'+(process.env.PORT||d[process.env.APP])+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# exec replaces the shell, so node itself receives SIGTERM and drains gracefully.
CMD ["sh", "-c", "exec node dist/apps/${APP:?set APP to ingress, masking, policy, approval, audit or stand-in-upstream}/main.js"]
