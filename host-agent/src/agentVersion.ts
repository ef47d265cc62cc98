// The agent's version as hello and info report it; bumped with every protocol-visible change.
export const AGENT_VERSION = '0.1.0';
