# Portcullis engine image. Build: docker build -t portcullis .
# Run:  docker run -p 8080:8080 portcullis run --upstream http://app:3000
#       docker run -v $PWD/config:/etc/portcullis:ro -p 8080:8080 portcullis
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
COPY config ./config
COPY proxy ./proxy
COPY tls ./tls
COPY waf ./waf
COPY bench ./bench
COPY test ./test
COPY examples ./examples
COPY bin ./bin
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
COPY --from=build /src/examples ./examples
RUN mkdir -p /etc/portcullis && chown -R node:node /etc/portcullis
USER node
EXPOSE 8080 19000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s CMD node -e "require('http').get('http://127.0.0.1:19000/healthz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
ENTRYPOINT ["node", "/app/bin/portcullis.js"]
CMD ["run", "--config", "/etc/portcullis", "--admin", "0.0.0.0:19000"]
