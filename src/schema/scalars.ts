import { GraphQLDateTime, GraphQLJSON } from "graphql-scalars";

/** API.md names these `DateTime` and `JSON`; type-graphql's own default would be `DateTimeISO`. */
export const DateTimeScalar = GraphQLDateTime;
export const JSONScalar = GraphQLJSON;
