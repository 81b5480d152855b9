// Microsoft.Web api-versions published for sites/config/functions/keys (azure-rest-api-specs
// specification/web/resource-manager/Microsoft.Web/stable/*). The az CLI and older SDKs still send older ones.
export const WEB_API_VERSIONS = [
  "2016-08-01", "2018-02-01", "2018-11-01", "2019-08-01", "2020-06-01", "2020-09-01", "2020-10-01",
  "2020-12-01", "2021-01-01", "2021-01-15", "2021-02-01", "2021-03-01", "2022-03-01", "2022-09-01",
  "2023-01-01", "2023-12-01", "2024-04-01", "2024-11-01", "2025-03-01", "2025-05-01",
];

// Microsoft.Resources (subscriptions, tenants, resource groups): what the az CLI, azure-mgmt-resource and
// @azure/arm-resources send.
export const RESOURCES_API_VERSIONS = [
  "2014-04-01", "2015-01-01", "2016-06-01", "2016-09-01", "2018-05-01", "2019-05-01", "2019-06-01", "2019-10-01",
  "2019-11-01", "2020-01-01", "2020-06-01", "2020-10-01", "2021-01-01", "2021-04-01", "2022-01-01", "2022-09-01",
  "2022-12-01", "2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01", "2025-01-01", "2025-03-01", "2025-04-01",
];
