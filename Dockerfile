# citesnap's queue worker: `docker compose up -d` runs it next to Redis (docker-compose.yml).
# The image's entry point is the citesnap command, so other commands run with it too:
#   docker compose run --rm worker enqueue https://news.example/article
#   docker compose run --rm worker schedule --list

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here; the build runs below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY workers ./workers
COPY cli ./cli
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-slim
ENV NODE_ENV=production \
    CITESNAP_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The database's schema, applied by `citesnap migrate` (and worker and archive at start).
COPY migrations ./migrations
RUN ln -s /app/bin/citesnap.cjs /usr/local/bin/citesnap \
 && mkdir -p /data \
 && chown node:node /data
USER node
# Records, WARC files and the index: every worker of one fleet must share this directory.
VOLUME ["/data"]
EXPOSE 9464
ENTRYPOINT ["citesnap"]
CMD ["worker", "--metrics-port", "9464"]
