// The few parts of oidc-provider (which ships no types) that the dashboard's sign-in test uses.
declare module "oidc-provider" {
  import type { Server } from "node:http";

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    listen(port: number): Server;
  }
}
