# The Switchyard worker (and CLI) image: Node 20 slim with git and the ssh client. Agent CLIs are not
# in it — add the ones your providers use in an image of your own on top of this one, e.g.
#   FROM switchyard-worker
#   RUN npm install -g @anthropic-ai/claude-code@2.1.328
# docker-compose.yml builds it for the `switchyard-setup` and `switchyard-worker` services.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY activities ./activities
COPY client ./client
COPY worker ./worker
COPY workflows ./workflows
RUN npm run build

FROM node:20-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY migrations ./migrations
# Worktrees, caches and spool files; a volume in docker-compose.yml.
RUN mkdir -p /data && chown node:node /data
USER node
ENTRYPOINT ["node", "/app/bin/switchyard.js"]
CMD ["worker"]
