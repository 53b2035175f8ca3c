/** An ISO 8601 instant must name its zone: a bare local time would be read in the server's zone. */
export const WITH_ZONE = /(Z|[+-]\d{2}:\d{2})$/;
