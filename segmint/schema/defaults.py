"""The default XDM-style schemas, so PQL written for the commercial platform runs unchanged."""

from __future__ import annotations

from segmint.schema.fields import FieldType as T
from segmint.schema.model import EVENT_SYSTEM_FIELDS, Schema, SchemaClass

PROFILE_FIELDS: dict[str, T] = {
    "person.name.firstName": T.STRING,
    "person.name.lastName": T.STRING,
    "person.gender": T.STRING,
    "person.birthDate": T.DATE,
    "person.birthYear": T.INTEGER,
    "personalEmail.address": T.STRING,
    "mobilePhone.number": T.STRING,
    "homeAddress.street1": T.STRING,
    "homeAddress.city": T.STRING,
    "homeAddress.postalCode": T.STRING,
    "homeAddress.stateProvince": T.STRING,
    "homeAddress.countryCode": T.STRING,
    "loyalty.tier": T.STRING,
    "loyalty.points": T.INTEGER,
    "loyalty.joinDate": T.DATE,
    "consents.marketing.email": T.BOOLEAN,
    "preferences.interests[]": T.STRING,
    "attributes": T.MAP,
    "createdAt": T.DATETIME,
}

EVENT_FIELDS: dict[str, T] = {
    **EVENT_SYSTEM_FIELDS,
    "channel": T.STRING,
    "web.webPageDetails.name": T.STRING,
    "web.webPageDetails.URL": T.STRING,
    "web.webReferrer.URL": T.STRING,
    "search.keywords": T.STRING,
    "device.type": T.STRING,
    "commerce.order.priceTotal": T.NUMBER,
    "commerce.order.currencyCode": T.STRING,
    "commerce.order.purchaseID": T.STRING,
    "commerce.purchases.value": T.NUMBER,
    "commerce.productViews.value": T.NUMBER,
    "commerce.productListAdds.value": T.NUMBER,
    "commerce.checkouts.value": T.NUMBER,
    "productListItems[].SKU": T.STRING,
    "productListItems[].name": T.STRING,
    "productListItems[].category": T.STRING,
    "productListItems[].priceTotal": T.NUMBER,
    "productListItems[].quantity": T.INTEGER,
    "marketing.campaignName": T.STRING,
}


def default_schemas() -> dict[SchemaClass, Schema]:
    return {
        SchemaClass.PROFILE: Schema(SchemaClass.PROFILE, dict(PROFILE_FIELDS)),
        SchemaClass.EVENT: Schema(SchemaClass.EVENT, dict(EVENT_FIELDS)),
    }
