export * from "./organizations";
export * from "./users";
export * from "./catalog";
export * from "./receivers";
export * from "./disbursements";
export * from "./api-keys";
export * from "./stellar";
export * from "./messages";
