/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// `npm run dev` proxies the API to a running `./inbox up` (INBOX_API, default http://127.0.0.1:5080).
export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/api': process.env.INBOX_API ?? 'http://127.0.0.1:5080' } },
  test: { include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'tests/**/*.test.ts'], environment: 'node' },
})
