/** Operations both cache tests send: each client parses them with its own `gql`. */

/** A fragment on the Participant interface, over one chatroom of each vendor. */
export const PARTICIPANTS = `
  query Participants {
    iwerp: chatroomByProviderId(provider: IWERP, providerId: "1") { id participants { ...Person } }
    popsell: chatroomByProviderId(provider: POPSELL, providerId: "1", brandId: 1) { id participants { ...Person } }
    messenger: chatroomByProviderId(provider: MESSENGER, providerId: "8") { id participants { ...Person } }
  }
  fragment Person on Participant { __typename id displayName provider ... on IwerpParticipant { isAdmin } }
`;

/** Two pages of one organization's chatrooms. */
export const PAGE = `
  query Page($after: String) {
    organizationChatrooms(organizationId: 1, first: 2, after: $after) {
      edges { cursor node { id name } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
