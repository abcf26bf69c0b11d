/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The dev server proxies the API and webhooks to a running `bistro serve`
// (BISTRO_URL, default the server's own default address).
const server = process.env.BISTRO_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    // The Go binary embeds this folder (internal/webui); the build is committed,
    // so it must be small (no source maps) and identical from run to run.
    outDir: "../internal/webui/dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // The editor imports docs/flow.schema.json, docs/expressions.md and
    // examples/ from the repository at build time.
    fs: { allow: [".."] },
    proxy: {
      "/api": server,
      "/hooks": server,
    },
  },
  test: {
    // Pure logic tests run in Node; component tests opt into jsdom per file.
    environment: "node",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
  },
});
