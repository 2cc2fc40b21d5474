"""The permission matrix: what every kind of caller gets from every operation of the API (the OpenAPI schema).

Columns (``world.CALLERS``): an = anonymous; ca = customer A, through a customer token, acting on their
own objects (the object in the path, or named in the body, is theirs); cb = customer B on A's objects;
then channel applications holding one scope each: cr catalog:read, cw catalog:write, sy sync:read,
ur customers:read, uw customers:write, up customers:pii, ut customers:token, rg customers:register,
kr carts:read, kw carts:write, or orders:read, ow orders:write, oc orders:cancel, mr usage:read,
mw usage:write (metered usage), tr tickets:read, tw tickets:write (trouble tickets); then staff: ag agent, su supervisor,
cm catalog manager. Outcomes: ok (2xx), or the status of the refusal; a refusal writes nothing.
``tests/security/test_api_matrix.py`` checks every cell against the running server.
"""

from tests.security.matrix_format import parse

BASES = [
    "/tmf-api/productCatalogManagement/v4",
    "/tmf-api/customerManagement/v4",
    "/tmf-api/party/v4",
    "/tmf-api/productInventory/v4",
    "/tmf-api/shoppingCart/v4",
    "/tmf-api/productOfferingQualification/v4",
    "/tmf-api/productOrderingManagement/v4",
    "/tmf-api/usageManagement/v4",
    "/tmf-api/usageConsumption/v4",
    "/tmf-api/troubleTicket/v4",
    "/api/v1",
]

TABLE = """
                                             an  ca  cb  cr  cw  sy  ur  uw  up  ut  rg  kr  kw  or  ow  oc  mr  mw  tr  tw  ag  su  cm
/tmf-api/productCatalogManagement/v4
  GET    /category                           401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
  POST   /category                           401 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok
  GET    /category/{id}                      401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
  PATCH  /category/{id}                      401 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok
  DELETE /category/{id}                      401 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok
  POST   /hub                                401 403 403 ok  ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  ok
  DELETE /hub/{subscription_id}              401 403 403 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
  GET    /productOffering                    401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
  POST   /productOffering                    401 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok
  GET    /productOffering/{id}               401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
  PATCH  /productOffering/{id}               401 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok
  DELETE /productOffering/{id}               401 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok
  GET    /productOfferingPrice               401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
  POST   /productOfferingPrice               401 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok
  GET    /productOfferingPrice/{id}          401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
  PATCH  /productOfferingPrice/{id}          401 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok
  DELETE /productOfferingPrice/{id}          401 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok
  GET    /productSpecification               401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
  POST   /productSpecification               401 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok
  GET    /productSpecification/{id}          401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
  PATCH  /productSpecification/{id}          401 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok
  DELETE /productSpecification/{id}          401 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok
/tmf-api/customerManagement/v4
  GET    /customer                           401 ok  ok  403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  POST   /customer                           401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  GET    /customer/{id}                      401 ok  404 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  PATCH  /customer/{id}                      401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  DELETE /customer/{id}                      401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  POST   /hub                                401 403 403 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  DELETE /hub/{subscription_id}              401 403 403 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
/tmf-api/party/v4
  POST   /hub                                401 403 403 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  DELETE /hub/{subscription_id}              401 403 403 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
  GET    /individual                         401 ok  ok  403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  POST   /individual                         401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  GET    /individual/{id}                    401 ok  404 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  PATCH  /individual/{id}                    401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  DELETE /individual/{id}                    401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  GET    /organization                       401 ok  ok  403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  POST   /organization                       401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  GET    /organization/{id}                  401 ok  404 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  PATCH  /organization/{id}                  401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  DELETE /organization/{id}                  401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
/tmf-api/productInventory/v4
  POST   /hub                                401 403 403 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  DELETE /hub/{subscription_id}              401 403 403 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
  GET    /product                            401 ok  ok  403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  POST   /product                            401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  GET    /product/{id}                       401 ok  404 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  PATCH  /product/{id}                       401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  DELETE /product/{id}                       401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
/tmf-api/shoppingCart/v4
  POST   /hub                                401 403 403 403 403 403 403 403 403 403 403 ok  403 403 403 403 403 403 403 403 ok  ok  403
  DELETE /hub/{subscription_id}              401 403 403 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
  GET    /shoppingCart                       401 ok  ok  403 403 403 403 403 403 403 403 ok  403 403 403 403 403 403 403 403 ok  ok  403
  POST   /shoppingCart                       401 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  GET    /shoppingCart/{id}                  401 ok  404 403 403 403 403 403 403 403 403 ok  403 403 403 403 403 403 403 403 ok  ok  403
  PATCH  /shoppingCart/{id}                  401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  DELETE /shoppingCart/{id}                  401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
/tmf-api/productOfferingQualification/v4
  POST   /hub                                401 403 403 403 403 403 403 403 403 403 403 ok  403 403 403 403 403 403 403 403 ok  ok  403
  DELETE /hub/{subscription_id}              401 403 403 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
  GET    /productOfferingQualification       401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
  POST   /productOfferingQualification       401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
  GET    /productOfferingQualification/{id}  401 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
  DELETE /productOfferingQualification/{id}  401 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
/tmf-api/productOrderingManagement/v4
  GET    /cancelProductOrder                 401 ok  ok  403 403 403 403 403 403 403 403 403 403 ok  403 403 403 403 403 403 ok  ok  403
  POST   /cancelProductOrder                 401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  403
  GET    /cancelProductOrder/{id}            401 ok  404 403 403 403 403 403 403 403 403 403 403 ok  403 403 403 403 403 403 ok  ok  403
  POST   /hub                                401 403 403 403 403 403 403 403 403 403 403 403 403 ok  403 403 403 403 403 403 ok  ok  403
  DELETE /hub/{subscription_id}              401 403 403 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
  GET    /productOrder                       401 ok  ok  403 403 403 403 403 403 403 403 403 403 ok  403 403 403 403 403 403 ok  ok  403
  POST   /productOrder                       401 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  GET    /productOrder/{id}                  401 ok  404 403 403 403 403 403 403 403 403 403 403 ok  403 403 403 403 403 403 ok  ok  403
/tmf-api/usageManagement/v4
  POST   /hub                                401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  403 403 403 ok  ok  403
  DELETE /hub/{subscription_id}              401 403 403 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
  GET    /usage                              401 ok  ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  403 403 403 ok  ok  403
  GET    /usage/{id}                         401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  403 403 403 ok  ok  403
/tmf-api/usageConsumption/v4
  POST   /hub                                401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  403 403 403 ok  ok  403
  DELETE /hub/{subscription_id}              401 403 403 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
  GET    /queryUsageConsumption              401 ok  ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  403 403 403 ok  ok  403
  POST   /queryUsageConsumption              401 ok  422 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  403 403 403 ok  ok  403
  GET    /queryUsageConsumption/{id}         401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 404 403 403 403 404 404 403
  DELETE /queryUsageConsumption/{id}         401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 404 403 403 403 404 404 403
/tmf-api/troubleTicket/v4
  POST   /hub                                401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  403 ok  ok  403
  DELETE /hub/{subscription_id}              401 403 403 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404
  GET    /troubleTicket                      401 ok  ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  403 ok  ok  403
  POST   /troubleTicket                      401 ok  422 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  GET    /troubleTicket/{id}                 401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  403 ok  ok  403
  PATCH  /troubleTicket/{id}                 401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  DELETE /troubleTicket/{id}                 401 409 404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
/api/v1
  POST   /auth/customer-token                401 403 403 403 403 403 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403
  POST   /backoffice/{system}/events         401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
  POST   /backoffice/{system}/tickets        401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
  POST   /carts/{cart_id}/attach             401 ok  ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  POST   /carts/{cart_id}/checkout           401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  POST   /carts/{cart_id}/items              401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  PATCH  /carts/{cart_id}/items/{item_id}    401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  DELETE /carts/{cart_id}/items/{item_id}    401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  GET    /customers/search                   401 403 403 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  GET    /customers/{customer_id}/360        401 403 403 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  GET    /customers/{customer_id}/consents   401 ok  404 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  POST   /customers/{customer_id}/consents   401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  POST   /handoffs                           401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  POST   /handoffs/{code}/claim              401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  GET    /knowledge/article                  401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
  GET    /knowledge/article/{article_id}     401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
  POST   /knowledge/article/{article_id}/feedback 401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
  GET    /partners/statements                401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  403 403 403 403 ok  403
  GET    /partners/statements/{period}       401 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 404 403 403 403 403 ok  403
  POST   /pricing/estimate                   401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
  POST   /pricing/quote                      401 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
  GET    /products/{product_id}/spendCap     401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  403 403 403 ok  ok  403
  PUT    /products/{product_id}/spendCap     401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  DELETE /products/{product_id}/spendCap     401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  GET    /sync-runs                          401 403 403 403 403 ok  403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  403
  POST   /ticket-handoffs                    401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
  POST   /ticket-handoffs/{code}/claim       401 ok  404 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 ok  ok  403
"""

EXPECTED = parse(TABLE)
