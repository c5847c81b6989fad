import { defineConfig } from "prisma/config";

// Prisma 7 reads the datasource URL from here; `generate` needs none, the migrator takes DATABASE_URL itself.
export default defineConfig({
  schema: "../../prisma/schema.prisma",
  migrations: { path: "../../prisma/migrations" },
});
